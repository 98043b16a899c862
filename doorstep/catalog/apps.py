from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "doorstep.catalog"
    label = "catalog"

    def ready(self) -> None:
        from doorstep.catalog.models import ProductLine, ProductModel, WarrantyPolicy
        from doorstep.core.masterdata import watch

        watch(
            ProductLine, ProductModel, WarrantyPolicy
        )  # kept per process by the intake (doorstep.core.masterdata)

from django.contrib import admin

from doorstep.network.models import TrainingRecord
from doorstep.quality.models import (
    CallbackAttempt,
    Complaint,
    ContactAccess,
    EarlyWarning,
    FaultRecord,
    Insight,
    LanguageFlag,
    LanguageRule,
    Survey,
)


@admin.register(LanguageFlag)
class LanguageFlagAdmin(admin.ModelAdmin):
    list_display = ["matched_text", "phrase_id", "source", "order", "author_name", "state", "created_at"]
    list_filter = ["state", "source", "rule_id", "centre"]
    search_fields = ["matched_text", "phrase_id", "order__number", "author_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["order", "author", "reviewed_by", "dismissal_rule"]
    readonly_fields = ["created_at", "reviewed_at"]


@admin.register(LanguageRule)
class LanguageRuleAdmin(admin.ModelAdmin):
    list_display = ["key", "phrase_id", "active", "created_by", "created_at"]
    list_filter = ["active", "phrase_id"]
    search_fields = ["key", "phrase_id"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["order", "category", "channel", "level", "owner", "state", "response_due_at"]
    list_filter = ["state", "level", "category", "channel"]
    raw_id_fields = ["order", "owner", "technician"]
    readonly_fields = ["opened_at", "opened_by", "response", "responded_at", "resolved_at", "confirmed_by"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["order", "timeliness", "skill", "attitude", "fees", "product_works", "submitted_at"]
    raw_id_fields = ["order", "technician", "outlet"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # only the customer submits a survey (R-QA-2)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CallbackAttempt)
class CallbackAttemptAdmin(admin.ModelAdmin):
    list_display = ["order", "agent", "outcome", "satisfaction", "at"]
    raw_id_fields = ["order", "agent"]


@admin.register(FaultRecord)
class FaultRecordAdmin(admin.ModelAdmin):
    list_display = ["order", "product_model", "component", "symptom", "cause", "fix"]
    search_fields = ["component", "symptom", "cause", "order__number"]
    raw_id_fields = ["order", "recorded_by"]


@admin.register(Insight)
class InsightAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "state", "author", "submitted_at"]
    list_filter = ["department", "state"]
    raw_id_fields = ["order", "author"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    list_display = ["product_model", "cohort", "observed", "expected", "p_value", "state", "created_at"]
    list_filter = ["state"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["staff", "course", "kind", "completed_on", "valid_until", "passed", "mandatory"]
    list_filter = ["kind", "mandatory", "passed"]
    raw_id_fields = ["staff"]


@admin.register(ContactAccess)
class ContactAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "staff", "order", "purpose"]
    raw_id_fields = ["staff", "order"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # the access log is evidence (R-PV-1)

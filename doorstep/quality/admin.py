from django.contrib import admin

from doorstep.quality.models import LanguageFlag, LanguageRule


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

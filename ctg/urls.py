from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "CTG — back-office"
admin.site.site_title = "CTG"
admin.site.index_title = "Administration des conventions territoriales globales"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conventions.accounts import (
    ThrottledAdminAuthenticationForm,
    ThrottledLoginView,
    ThrottledPasswordResetView,
)

admin.site.site_header = "CTG — back-office"
admin.site.site_title = "CTG"
admin.site.index_title = "Administration des conventions territoriales globales"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("connexion/", ThrottledLoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oubli/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("", include("conventions.urls")),
    path("", include("diagnostic.urls")),
    path("", include("actions.urls")),
    path("", include("pilotage.urls")),
]

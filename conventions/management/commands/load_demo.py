from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conventions.demo import read_yaml, upsert
from conventions.locking import ConventionLocked
from conventions.models import Membership, Organisation

DEMO_FOLDERS = ["jura_nord", "coteaux"]


def demo_loaders():
    """Each installed app's ``demo.load``, in the order of INSTALLED_APPS."""
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        yield module.load


def record_initial_history():
    """Objects created in bulk have no history yet: give each its first version."""
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is None or not hasattr(history, "bulk_history_create"):
            continue
        recorded = history.model.objects.values("id")
        missing = list(model._default_manager.exclude(pk__in=recorded))
        if missing:
            history.bulk_history_create(
                missing, default_change_reason="Données de démonstration", batch_size=500
            )


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration : la convention Jura Nord, la convention "
        "fictive des Coteaux et les utilisateurs de démonstration. Sans effet sur une "
        "convention déjà chargée, sauf avec --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Recharge les conventions de démonstration en effaçant leurs modifications.",
        )

    def handle(self, *args, reset=False, **options):
        try:
            self.load(reset)
        except ConventionLocked as error:
            raise CommandError(str(error)) from None

    @transaction.atomic
    def load(self, reset):
        fixtures = settings.BASE_DIR / "fixtures"
        context = {"reset": reset}
        for name in DEMO_FOLDERS:
            context.update(is_new=False, convention=None, actions=[])
            for load in demo_loaders():
                load(fixtures / name, context)
            for step in context.pop("after_load", []):
                step()  # what needs every part loaded: the demo convention's signatures
            state = "chargée" if context["is_new"] else "déjà présente, inchangée"
            self.stdout.write(f"Convention « {context['convention']} » : {state}.")
        record_initial_history()
        users = read_yaml(fixtures, "demo_users.yaml")
        self.load_users(users)
        self.stdout.write("\nUtilisateurs de démonstration (mot de passe : demo-ctg) :")
        for user in users["users"]:
            self.stdout.write(f"  {user['username']:<18} {user['description']}")

    def load_users(self, data):
        User = get_user_model()
        for item in data["users"]:
            user, created = User.objects.get_or_create(
                username=item["username"],
                defaults={"first_name": item["first_name"], "last_name": item["last_name"]},
            )
            if created:
                user.set_password(data["password"])
            superuser = item.get("superuser", False)
            if created or (user.is_staff, user.is_superuser) != (superuser, superuser):
                user.is_staff = user.is_superuser = superuser
                user.save()
            if "organisation" in item:
                upsert(
                    Membership,
                    user=user,
                    organisation=Organisation.objects.get(name=item["organisation"]),
                    defaults={"role": item["role"]},
                )

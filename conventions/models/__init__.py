from .convention import Amendment, Annex, Article, Convention, Party, Signatory, Visa
from .deliberation import Attendance, Deliberation
from .membership import Membership
from .reference import Organisation, Person, Territory
from .template import ConventionModel, ModelArticle

__all__ = [
    "Amendment",
    "Annex",
    "Article",
    "Attendance",
    "Convention",
    "ConventionModel",
    "Deliberation",
    "Membership",
    "ModelArticle",
    "Organisation",
    "Party",
    "Person",
    "Signatory",
    "Territory",
    "Visa",
]

from .amendment import Amendment, AmendmentArticle, ConventionVersion
from .convention import Annex, Article, Convention, Party, Signatory, Visa
from .deliberation import Attendance, Deliberation
from .membership import Membership
from .reference import Organisation, Person, Territory
from .signing import (
    FrozenDocument,
    ReferenceCopy,
    Signature,
    SignerAccount,
    SigningNotice,
)
from .template import ConventionModel, ModelArticle
from .workflow import StatusChange

__all__ = [
    "Amendment",
    "AmendmentArticle",
    "Annex",
    "Article",
    "Attendance",
    "Convention",
    "ConventionModel",
    "ConventionVersion",
    "Deliberation",
    "FrozenDocument",
    "Membership",
    "ModelArticle",
    "Organisation",
    "Party",
    "Person",
    "ReferenceCopy",
    "Signatory",
    "Signature",
    "SignerAccount",
    "SigningNotice",
    "StatusChange",
    "Territory",
    "Visa",
]

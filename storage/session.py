"""`SqlStoreSession`: the `StoreSession` port over one SQLAlchemy AsyncSession."""

from __future__ import annotations

from storage.repos.additions import AdditionsRepo
from storage.repos.audit import AuditRepo
from storage.repos.channels import ChannelRepo
from storage.repos.counts import CountsRepo
from storage.repos.exports import ExportRepo
from storage.repos.feedback import FeedbackRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.papers import PaperRepo
from storage.repos.people import PeopleRepo
from storage.repos.private_chats import PrivateChatRepo
from storage.repos.reactions import ReactionRepo
from storage.repos.replies import ReplyRepo
from storage.repos.scheduling import SchedulingRepo


class SqlStoreSession(
    PaperRepo,
    ChannelRepo,
    OutboxRepo,
    PeopleRepo,
    ReactionRepo,
    ReplyRepo,
    AdditionsRepo,
    FeedbackRepo,
    CountsRepo,
    AuditRepo,
    SchedulingRepo,
    ExportRepo,
    PrivateChatRepo,
):
    """Every repository operation, inside the one transaction its AsyncSession is in.

    Built by `SqlStore.transaction()`; one mixin per concept lives in `storage.repos`.
    """

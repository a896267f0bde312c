from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base, UTCDateTime, utcnow


class MilestoneCheck(Base):
    """A member ticked a milestone off (or Pivot did, from what they did: source='auto')."""

    __tablename__ = "milestone_checks"
    __table_args__ = (UniqueConstraint("member_id", "milestone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    milestone_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

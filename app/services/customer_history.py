"""A customer's story for the profile screen: their deals and the activities logged with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.policy import Permission
from app.services.base import Service, get_or_404
from app.store.models import Activity, Customer, Deal


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    deals: Sequence[Deal]
    activities: Sequence[Activity]
    hidden_deals: int  # deals of other salespeople this person may not open


class CustomerHistoryService(Service):
    def history(self, customer_id: str) -> CustomerHistory:
        with self.unit_of_work(Permission.CUSTOMERS_VIEW) as session:
            get_or_404(session, Customer, customer_id)
            deals: Sequence[Deal] = []
            hidden = 0
            if self.principal.can(Permission.DEALS_VIEW):
                every = session.scalars(
                    select(Deal).where(Deal.customer_id == customer_id).order_by(Deal.created_at.desc())
                ).all()
                deals = [d for d in every if self._may_open(d)]
                hidden = len(every) - len(deals)
            newest_first = Activity.created_at.desc()
            activities = session.scalars(
                select(Activity).where(Activity.customer_id == customer_id).order_by(newest_first)
            ).all()
        return CustomerHistory(deals, activities, hidden)

    def _may_open(self, deal: Deal) -> bool:
        return self.principal.can(Permission.DEALS_VIEW_ALL) or deal.salesperson_id == self.principal.user_id

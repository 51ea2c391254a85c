"""Model: the people of a center, as Mesa agents (teachers, directors, parents).

An agent is a person who holds a post. The person's state (knowledge, mindset,
psychological safety, beliefs about change ideas) lives in the model's `Staff` arrays
at the row of the post, so the weekly updates run on arrays; the agent object says
who is who and reads its own row. When a person leaves, the agent is removed and a
newcomer agent takes the post when the vacancy is filled.
"""

from __future__ import annotations

import mesa
import numpy as np

TEACHER, DIRECTOR, PARENT = 0, 1, 2
ROLES = ("teacher", "director", "parent")


class Person(mesa.Agent):
    """A person in a post of a center; state is read from the model's arrays."""

    role: int = -1

    def __init__(self, model: mesa.Model, post: int):
        super().__init__(model)
        self.post = post

    @property
    def center(self) -> int:
        return int(self.model.staff.center[self.post])

    @property
    def on_team(self) -> bool:
        return bool(self.model.staff.on_team[self.post])

    @property
    def psych_safety(self) -> float:
        return float(self.model.staff.psych_safety[self.post])

    @property
    def efficacy(self) -> float:
        return float(self.model.staff.efficacy[self.post])

    @property
    def inquiry(self) -> float:
        return float(self.model.staff.inquiry[self.post])

    @property
    def status(self) -> float:
        return float(self.model.staff.status[self.post])

    @property
    def knowledge(self) -> dict[str, float]:
        s = self.model.staff
        k = s.knowledge[self.post]
        return {"sel": float(k[0]), "family": float(k[1]), "equity": float(k[2]),
                "qi": float(s.qi[self.post])}

    @property
    def beliefs(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and precision of this person's belief about each change idea in her
        own classroom (beliefs.here)."""
        from .beliefs import between_programs, here
        mu, tau = here(self.model.staff, np.array([self.post]), between_programs(self.model.p))
        return mu[0], tau[0]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(id={self.unique_id}, center={self.center}, "
                f"on_team={self.on_team})")


class Teacher(Person):
    """A lead teacher; runs tests of change in her own classroom."""

    role = TEACHER

    @property
    def classroom(self) -> int:
        return int(self.model.staff.classroom[self.post])


class Director(Person):
    """A center director; her shared leadership shapes how voice is answered."""

    role = DIRECTOR

    @property
    def leadership(self) -> float:
        return float(self.model.staff.leadership[self.post])


class Parent(Person):
    """A parent on the center's team; brings knowledge of family partnership."""

    role = PARENT


AGENT_CLASS = {TEACHER: Teacher, DIRECTOR: Director, PARENT: Parent}

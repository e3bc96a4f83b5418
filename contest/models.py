"""The contest app's models live beside the feature that owns them."""

from contest.asynchronous.models import (  # noqa: F401
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    BlueprintRule,
    Contest,
    ContestAward,
    Round,
)
from contest.live.models import (  # noqa: F401
    LiveAnswer,
    LiveContest,
    LiveGame,
    LiveGameQuestion,
    LivePlayer,
)
from contest.placement.models import PlacementResponse, PlacementSession  # noqa: F401

"""Domain errors map to gRPC and HTTP statuses by their class or the nearest listed base class."""

import grpc

from kontor.platform import errors
from kontor.platform.grpc_server import _STATUS_OF
from kontor.platform.http import _HTTP_STATUS


class MatchingUnavailable(errors.Unavailable):
    """A service's own refinement, as services define them."""


def test_a_subclass_maps_like_the_error_it_refines():
    exc = MatchingUnavailable("contacts did not answer")
    assert errors.status_for(exc, _STATUS_OF, grpc.StatusCode.UNKNOWN) is grpc.StatusCode.UNAVAILABLE
    assert errors.status_for(exc, _HTTP_STATUS, 500) == 503


def test_an_unlisted_error_gets_the_default():
    assert errors.status_for(errors.DomainError("x"), _STATUS_OF, grpc.StatusCode.UNKNOWN) is grpc.StatusCode.UNKNOWN

"""The gateway's request edge: request ids and rate limits, in front of every route."""

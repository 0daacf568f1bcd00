"""Fault injection: per-world rules (``/_sim/faults``) evaluated in the input layer, the webhook sender and the connectors."""

"""Contract conformance: the emulated APIs' OpenAPI documents checked against any server with schemathesis."""

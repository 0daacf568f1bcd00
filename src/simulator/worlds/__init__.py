"""Many worlds per server: the registry, ``/w/{world_id}`` routing, the durable command log and snapshots."""

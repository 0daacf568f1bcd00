"""The platform's own automations between systems, as scheduled jobs on the world clock."""

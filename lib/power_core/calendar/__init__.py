"""Business days, meter reading schedules and due dates."""

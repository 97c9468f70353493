"""Training: the config-driven trainer, the learning-rate schedule, and its backends."""

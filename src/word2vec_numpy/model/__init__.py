"""The model: parameters, losses (output layers), batches, and the plain reference step."""

"""Challenges: a validated question bank, generated math problems and answer grading."""

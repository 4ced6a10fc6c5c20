"""Rendering findings for people and programs."""

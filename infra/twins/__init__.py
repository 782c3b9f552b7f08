"""Local twins of outside services built on real implementations of their protocols."""

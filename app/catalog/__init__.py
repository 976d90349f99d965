"""Service items and their guides (art. 5-9): versions, materials, the guide linter, publishing,
and the public record every channel renders."""

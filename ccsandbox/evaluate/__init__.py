"""``cc-sandbox evaluate``: the 2024 study's evaluation reproduced with our tools, as a report."""

"""Reading prediction files: format detection, readers that yield column chunks, atomic writers."""

"""The dataset's statistics: layout and labels, the stats document, its sources and its diff."""

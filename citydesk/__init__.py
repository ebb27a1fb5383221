"""CityDesk: citizen services and operations center for a Vietnamese city."""

__version__ = "0.1.0"

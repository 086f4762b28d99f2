"""ReaderStudy: an open, self-hostable platform for radiology reader studies."""

__version__ = "0.1.0"

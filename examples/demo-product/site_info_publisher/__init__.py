"""site-info-publisher: publish basic GLUE 2.0 site information as LDIF."""

__version__ = "1.4.0"

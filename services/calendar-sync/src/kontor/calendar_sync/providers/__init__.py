"""Groupware calendar providers behind one neutral interface (``base``); one package per provider."""

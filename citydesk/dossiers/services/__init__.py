"""Writes of the one-stop subsystem: receiving dossiers and moving them through their process."""

from citydesk.dossiers.services.intake import Applicant, Received, Upload, applicant_from, dossier_receive
from citydesk.dossiers.services.moves import dossier_transition

__all__ = ["Applicant", "Received", "Upload", "applicant_from", "dossier_receive", "dossier_transition"]

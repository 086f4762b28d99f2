"""What readers produce, and what it means: protocols, reads, grades, marks, agreement."""

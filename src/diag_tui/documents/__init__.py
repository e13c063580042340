"""What leaves the program: the follow-up file, the reports, the answers file."""

"""A reporter's tools on top of asking: follow-up questions, lists of questions, watched
questions and timelines. Each takes the service's answers and shapes them; none ranks."""

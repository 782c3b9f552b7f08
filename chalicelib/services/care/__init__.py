"""Care for the people served: feedback, ratings, FAQ, support, notifications, alerts, mail."""

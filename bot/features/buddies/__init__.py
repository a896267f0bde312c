"""Study buddies: members opt in with a profile and are matched into pairs or trios each round."""

"""Quality measurement on the dev set: retrieval recall/MRR and grounded-answer metrics."""

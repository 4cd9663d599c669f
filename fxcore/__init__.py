"""The FX-facing core: canonical ops, the term view of nodes, matching, surgery, gradual types."""

"""Fresh, untuned accuracy corpus (styles unlike bench.accuracy / bench.heldout)."""

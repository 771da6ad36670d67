"""Use cases: each takes a DB session (from ``Store.unit_of_work``), calls the
repositories, writes its audit event in the same transaction and returns what
changed (:class:`hubdesk.services.common.Changes`) or plain values."""

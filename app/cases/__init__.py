"""The case core (办件): receiving, one engine step per transaction, syncing tasks, jobs and
deadlines from the engine, timer firing, supplements, special procedures. Features plug in
through the step hooks the bootstrap registers; nothing here imports them."""

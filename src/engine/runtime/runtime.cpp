// runtime: filled in by the native backend work

// the manifest reader is being written

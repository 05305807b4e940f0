module example.com/edition/stream-handler

go 1.21

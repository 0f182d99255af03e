module lancam

go 1.26.0

require (
	go.uber.org/goleak v1.3.0
	golang.org/x/image v0.48.0
)

module lancam

go 1.26.0

require (
	github.com/vladimirvivien/go4vl v0.5.0
	go.uber.org/goleak v1.3.0
	golang.org/x/image v0.48.0
	golang.org/x/sys v0.50.0
)

package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics, /healthz and /readyz for src.
func Handler(src Source) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(Collector{Src: src})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		probe(w, src.MetricsView().Alive, "main loop alive", "main loop not answering")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		v := src.MetricsView()
		probe(w, v.Ready, "node OK and RUNNING", fmt.Sprintf("node not ready: runstate %s", v.Runstate))
	})
	return mux
}

func probe(w http.ResponseWriter, ok bool, yes, no string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ok {
		fmt.Fprintln(w, yes)
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintln(w, no)
}

// Listen binds addr (HOST:PORT; the host is required so that the
// endpoint is never on all addresses by accident).
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %q: %w", addr, err)
	}
	if host == "" {
		return nil, fmt.Errorf("metrics listen %q: an address is required (e.g. 127.0.0.1:9477)", addr)
	}
	return net.Listen("tcp", addr)
}

// Serve serves the endpoints on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, src Source) error {
	srv := &http.Server{Handler: Handler(src), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

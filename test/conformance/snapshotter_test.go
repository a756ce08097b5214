// Package conformance runs containerd's own snapshotter test suite (snapshots/testsuite) against
// `darner snapshotter`, reached the way containerd reaches a proxy plugin: snapshots/proxy over
// the snapshotter's unix socket. Every case gets a snapshotter process of its own on the root
// directory the suite hands out.
//
// Environment: DARNER_CLI is the compiled CLI (dist/src/cli/main.js); DARNER_NODE the node
// binary (default "node"). Run as root: the suite mounts what the snapshotter returns.
package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/pkg/dialer"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/proxy"
	"github.com/containerd/containerd/snapshots/testsuite"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// How long a started snapshotter has to accept connections, and to exit after SIGTERM.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

func TestDarnerSnapshotter(t *testing.T) {
	cli := os.Getenv("DARNER_CLI")
	if cli == "" {
		t.Fatal("DARNER_CLI must name the compiled darner CLI (dist/src/cli/main.js)")
	}
	node := os.Getenv("DARNER_NODE")
	if node == "" {
		node = "node"
	}
	// darner's active snapshots are overlayfs mounts, so the overlayfs expectations apply (the
	// suite keys a few of them, such as renaming a lower directory, by this name).
	testsuite.SnapshotterSuite(t, "overlayfs", func(ctx context.Context, root string) (snapshots.Snapshotter, func() error, error) {
		return startSnapshotter(ctx, node, cli, root)
	})
}

// startSnapshotter runs `darner snapshotter` on root with its socket and log beside root (the
// suite's temporary directory, dumped by the suite when a case fails).
func startSnapshotter(ctx context.Context, node, cli, root string) (snapshots.Snapshotter, func() error, error) {
	dir := filepath.Dir(root)
	socket := filepath.Join(dir, "snapshotter.sock")
	logFile, err := os.Create(filepath.Join(dir, "snapshotter.log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(node, cli, "snapshotter", "--address", socket, "--root", root)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		defer logFile.Close()
		select {
		case err := <-exited:
			return fmt.Errorf("snapshotter exited before it was stopped: %v", err)
		default:
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case err := <-exited:
			return err
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("snapshotter did not exit within %s of SIGTERM", stopTimeout)
		}
	}

	conn, err := dial(ctx, socket, exited)
	if err != nil {
		stop()
		return nil, nil, err
	}
	sn := proxy.NewSnapshotter(snapshotsapi.NewSnapshotsClient(conn), "darner")
	return sn, func() error {
		conn.Close()
		return stop()
	}, nil
}

// dial waits until the socket accepts a connection (the process creates it once listening).
func dial(ctx context.Context, socket string, exited <-chan error) (*grpc.ClientConn, error) {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("snapshotter exited before it listened: %v", err)
		default:
		}
		if _, err := os.Stat(socket); err == nil {
			dialCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			conn, err := grpc.DialContext(dialCtx, dialer.DialAddress(socket),
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithContextDialer(dialer.ContextDialer),
				grpc.WithBlock())
			cancel()
			if err == nil {
				return conn, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("snapshotter did not listen on %s within %s", socket, startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

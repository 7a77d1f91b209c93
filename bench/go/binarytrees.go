// binary-trees for Go, the peer Arena measures itself against: the Benchmarks Game
// program's shape (one goroutine per depth, nodes on Go's garbage-collected heap).
// Run with bench/go/run.sh, which also checks its output.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

type Node struct{ left, right *Node }

func create(d int) *Node {
	if d == 0 {
		return &Node{}
	}
	return &Node{create(d - 1), create(d - 1)}
}

func (n *Node) check() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

func main() {
	n := 21
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	const minDepth = 4
	maxDepth := n
	if minDepth+2 > n {
		maxDepth = minDepth + 2
	}
	fmt.Printf("stretch tree of depth %d\t check: %d\n", maxDepth+1, create(maxDepth+1).check())
	longLived := create(maxDepth)

	lines := make([]string, maxDepth+1)
	var wg sync.WaitGroup
	for d := minDepth; d <= maxDepth; d += 2 {
		wg.Add(1)
		go func(depth int) {
			defer wg.Done()
			iterations := 1 << uint(maxDepth-depth+minDepth)
			check := 0
			for i := 0; i < iterations; i++ {
				check += create(depth).check()
			}
			lines[depth] = fmt.Sprintf("%d\t trees of depth %d\t check: %d", iterations, depth, check)
		}(d)
	}
	wg.Wait()
	for d := minDepth; d <= maxDepth; d += 2 {
		fmt.Println(lines[d])
	}
	fmt.Printf("long lived tree of depth %d\t check: %d\n", maxDepth, longLived.check())
}

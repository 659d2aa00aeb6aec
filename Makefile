# Thin wrappers over the npm scripts and hack/ scripts, for those who reach for make.
.PHONY: deps dev test test-unit test-integration check gen controlplane lint format

deps:
	npm ci

dev: deps
	npm run dev

test: deps
	npm test

test-unit:
	npm run test:unit

test-integration:
	npm run test:integration

check:
	npm run check

gen:
	npm run gen

lint:
	npm run lint

format:
	npm run format

controlplane:
	bash hack/build-controlplane.sh

module github.com/licensor/licensor/clients/go

go 1.22

from grader.cli.commands import main

main()

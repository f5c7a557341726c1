# no version here
BUILD = 4
VERSION = 'two point four'

<?php
echo "no header here";
